"""Production shared by the apps: casting, planning a script into a timeline, rendering it, subtitles."""
