"""Game.has_bots: whether a computer player sits at the game, on the row, so that the
lobby's bot runner needs no query of the seats after each stored move."""

from django.db import migrations, models


def mark_games_with_bot_seats(apps, schema_editor):
    Game = apps.get_model("game_server", "Game")
    Seat = apps.get_model("game_server", "Seat")
    with_bots = Seat.objects.exclude(bot="").values("game_id")
    Game.objects.filter(pk__in=with_bots).update(has_bots=True)


class Migration(migrations.Migration):
    dependencies = [
        ("game_server", "0009_chat_line"),
    ]

    operations = [
        migrations.AddField(
            model_name="game",
            name="has_bots",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_games_with_bot_seats, migrations.RunPython.noop),
    ]
