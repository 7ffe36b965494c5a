"""soundstage.apps"""
