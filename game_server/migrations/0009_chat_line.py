"""ChatLine: a game's chat, kept for the snapshot's recent chat (players and spectators
channels)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("game_server", "0008_profile_bot"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChatLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("channel", models.CharField(default="players", max_length=10)),
                ("seat", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("name", models.CharField(max_length=40)),
                ("text", models.CharField(max_length=500)),
                ("ts", models.FloatField()),
                (
                    "game",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="chat_lines",
                        to="game_server.game",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["game", "channel", "ts"], name="game_server_game_id_67c69a_idx"
                    )
                ],
            },
        ),
    ]
