"""soundstage.speech"""
