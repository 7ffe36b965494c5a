"""soundstage.jobs"""
