"""soundstage.api"""
