"""The lobby: matchmaking, private and open tables, the live-game directory, bots, ratings."""
