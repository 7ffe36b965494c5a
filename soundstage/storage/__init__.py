"""soundstage.storage"""
