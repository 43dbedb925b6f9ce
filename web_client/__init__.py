"""The browser front end: lobby, play, spectate and replay pages and their assets."""
