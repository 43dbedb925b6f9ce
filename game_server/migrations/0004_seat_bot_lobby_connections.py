"""Seat.bot (a computer player's level, moved from lobby.BotSeat) and Connection rows
for lobby sockets (``game`` null, moved from lobby.LobbyConnection)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("game_server", "0003_time_controls"),
    ]

    operations = [
        migrations.AddField(
            model_name="seat",
            name="bot",
            field=models.CharField(blank=True, default="", max_length=20),
        ),
        migrations.AlterField(
            model_name="connection",
            name="game",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="connections",
                to="game_server.game",
            ),
        ),
    ]
