"""soundstage.script: a prompt becomes a Script (what is said and heard, by whom, in what order)."""
