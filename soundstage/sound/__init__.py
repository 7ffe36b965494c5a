"""soundstage.sound"""
