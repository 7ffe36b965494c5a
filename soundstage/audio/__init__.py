"""soundstage.audio"""
