"""Whether a seat is a bot now belongs on the seat (game_server.Seat.bot); lobby sockets
are game_server.Connection rows without a game. BotSeat levels are copied over first."""

from django.db import migrations


def copy_bot_levels(apps, schema_editor):
    BotSeat = apps.get_model("lobby", "BotSeat")
    Seat = apps.get_model("game_server", "Seat")
    for game_id, index, level in BotSeat.objects.values_list("game_id", "index", "level"):
        Seat.objects.filter(game_id=game_id, index=index).update(bot=level)


class Migration(migrations.Migration):
    dependencies = [
        ("lobby", "0001_initial"),
        ("game_server", "0004_seat_bot_lobby_connections"),
    ]

    operations = [
        migrations.RunPython(copy_bot_levels, migrations.RunPython.noop),
        migrations.DeleteModel(name="BotSeat"),
        migrations.DeleteModel(name="LobbyConnection"),
    ]
