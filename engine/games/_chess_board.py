"""Chess board internals: bitboards on Python ints, legal move generation, FEN and SAN.

A private helper of :mod:`engine.games.chess` (it registers nothing). Everything here
works on a *board*, a plain 13-tuple of ints, and is pure: ``make`` returns a new board.

Board layout (indices are the ``I_*`` constants)::

    (white, black, pawns, knights, bishops, rooks, queens, kings,
     turn, castling, ep, halfmove, fullmove)

* squares are numbered a1=0, b1=1, ..., h8=63; bit ``1 << square`` is that square;
* ``turn`` is 0 for White, 1 for Black;
* ``castling`` is a bitboard of the rook squares (a1, h1, a8, h8) that keep castling rights;
  ``clean_castling`` guarantees king and rook still stand on their original squares;
* ``ep`` is the en passant target square, or 0 (a1 can never be one). It is only stored
  when an enemy pawn attacks it; whether the capture is *legal* is decided when the board
  is written out (FEN, repetition key), as FIDE and python-chess do.

A move is an int ``from | to << 6 | promotion << 12`` where ``promotion`` is a piece index
(``KNIGHT`` .. ``QUEEN``) or 0. Castling is the king's two-square move (``e1g1``).

Speed comes from: precomputed attack tables (sliders use one dict lookup keyed by the
relevant occupancy, built at import from per-ray tables), legal-only generation (check
and pin masks, no make-and-test), set-wise pawn moves, and leaf counting with
``int.bit_count`` instead of building move lists (see ``count_moves``).
"""

from __future__ import annotations

from ..errors import INVALID_POSITION, EngineError

FULL = (1 << 64) - 1

I_WHITE, I_BLACK, PAWN, KNIGHT, BISHOP, ROOK, QUEEN, KING = range(8)
I_TURN, I_CASTLING, I_EP, I_HALFMOVE, I_FULLMOVE = range(8, 13)
WHITE, BLACK = 0, 1

PIECE_LETTERS = " pnbrqk"  # index by piece type (2..7) minus 1
SQUARE_NAMES = [f + r for r in "12345678" for f in "abcdefgh"]
SQUARE_INDEX = {name: i for i, name in enumerate(SQUARE_NAMES)}

FILE_A = 0x0101010101010101
FILE_H = FILE_A << 7
RANK_1 = 0xFF
RANK_3 = RANK_1 << 16
RANK_6 = RANK_1 << 40
RANK_8 = RANK_1 << 56
LIGHT_SQUARES = 0x55AA55AA55AA55AA
DARK_SQUARES = 0xAA55AA55AA55AA55

A1, C1, D1, E1, F1, G1, H1 = 0, 2, 3, 4, 5, 6, 7
A8, C8, D8, E8, F8, G8, H8 = 56, 58, 59, 60, 61, 62, 63
CASTLING_ROOKS = (1 << A1) | (1 << H1) | (1 << A8) | (1 << H8)


def _on_board(file: int, rank: int) -> bool:
    return 0 <= file < 8 and 0 <= rank < 8


def _step_table(steps) -> list[int]:
    table = []
    for sq in range(64):
        bb = 0
        for df, dr in steps:
            f, r = sq % 8 + df, sq // 8 + dr
            if _on_board(f, r):
                bb |= 1 << (r * 8 + f)
        table.append(bb)
    return table


KNIGHT_ATTACKS = _step_table(
    [(1, 2), (2, 1), (2, -1), (1, -2), (-1, -2), (-2, -1), (-2, 1), (-1, 2)]
)
KING_ATTACKS = _step_table([(1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1)])
# PAWN_ATTACKS[colour][sq]: squares a pawn of that colour on sq attacks. Read the other way,
# PAWN_ATTACKS[turn][king] holds the squares from which enemy pawns attack our king.
PAWN_ATTACKS = (_step_table([(-1, 1), (1, 1)]), _step_table([(-1, -1), (1, -1)]))

ROOK_DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1))
BISHOP_DIRECTIONS = ((1, 1), (-1, 1), (1, -1), (-1, -1))


def _ray(sq: int, df: int, dr: int) -> list[int]:
    squares = []
    f, r = sq % 8 + df, sq // 8 + dr
    while _on_board(f, r):
        squares.append(r * 8 + f)
        f, r = f + df, r + dr
    return squares


def _ray_table(sq: int, df: int, dr: int) -> dict[int, int]:
    """Attacks along one ray keyed by the occupancy of its relevant squares (not the last)."""
    ray = _ray(sq, df, dr)
    relevant = ray[:-1]
    table = {}
    for subset in range(1 << len(relevant)):
        occupancy = 0
        for i, square in enumerate(relevant):
            if subset >> i & 1:
                occupancy |= 1 << square
        attacks = 0
        for square in ray:
            attacks |= 1 << square
            if occupancy >> square & 1:
                break
        table[occupancy] = attacks
    return table


def _product(*tables: dict[int, int]) -> dict[int, int]:
    result = {0: 0}
    for table in tables:
        result = {k1 | k2: v1 | v2 for k1, v1 in result.items() for k2, v2 in table.items()}
    return result


def _slider_tables(directions) -> tuple[list[int], list[dict[int, int]], list[int]]:
    masks, tables, empty_attacks = [], [], []
    for sq in range(64):
        rays = [_ray_table(sq, df, dr) for df, dr in directions]
        mask = 0
        for df, dr in directions:
            for square in _ray(sq, df, dr)[:-1]:
                mask |= 1 << square
        # Pairing opposite rays first keeps the intermediate dicts small.
        table = _product(_product(rays[0], rays[1]), _product(rays[2], rays[3]))
        masks.append(mask)
        tables.append(table)
        empty_attacks.append(table[0])
    return masks, tables, empty_attacks


ROOK_MASKS, ROOK_TABLES, ROOK_EMPTY = _slider_tables(ROOK_DIRECTIONS)
BISHOP_MASKS, BISHOP_TABLES, BISHOP_EMPTY = _slider_tables(BISHOP_DIRECTIONS)


def _between_and_line():
    between = [[0] * 64 for _ in range(64)]
    line = [[0] * 64 for _ in range(64)]
    for sq in range(64):
        for df, dr in ROOK_DIRECTIONS + BISHOP_DIRECTIONS:
            ray = _ray(sq, df, dr)
            back = _ray(sq, -df, -dr)
            full = 1 << sq
            for square in ray + back:
                full |= 1 << square
            passed = 0
            for square in ray:
                between[sq][square] = passed
                line[sq][square] = full
                passed |= 1 << square
    return between, line


# BETWEEN[a][b]: squares strictly between a and b on a line; LINE[a][b]: the whole line
# (edge to edge) through both, or 0 when they are not aligned.
BETWEEN, LINE = _between_and_line()

# Castling rights kept when a move starts or ends on a square (king or rook squares).
CASTLING_KEEP = [FULL] * 64
CASTLING_KEEP[E1] = FULL & ~((1 << A1) | (1 << H1))
CASTLING_KEEP[E8] = FULL & ~((1 << A8) | (1 << H8))
for _sq in (A1, H1, A8, H8):
    CASTLING_KEEP[_sq] = FULL & ~(1 << _sq)

MOVE_NAMES = {}
for _from in range(64):
    for _to in range(64):
        MOVE_NAMES[_from | _to << 6] = SQUARE_NAMES[_from] + SQUARE_NAMES[_to]
        for _promo in (KNIGHT, BISHOP, ROOK, QUEEN):
            MOVE_NAMES[_from | _to << 6 | _promo << 12] = (
                SQUARE_NAMES[_from] + SQUARE_NAMES[_to] + PIECE_LETTERS[_promo - 1]
            )
MOVE_CODES = {name: code for code, name in MOVE_NAMES.items()}

START_FEN = "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1"


def rook_attacks(sq: int, occupied: int) -> int:
    return ROOK_TABLES[sq][occupied & ROOK_MASKS[sq]]


def bishop_attacks(sq: int, occupied: int) -> int:
    return BISHOP_TABLES[sq][occupied & BISHOP_MASKS[sq]]


def attackers(board: tuple, colour: int, sq: int, occupied: int) -> int:
    """Pieces of ``colour`` attacking ``sq`` given ``occupied``."""
    own = board[colour]
    pawns, knights, bishops, rooks, queens, kings = board[PAWN : KING + 1]
    return own & (
        (PAWN_ATTACKS[1 - colour][sq] & pawns)
        | (KNIGHT_ATTACKS[sq] & knights)
        | (KING_ATTACKS[sq] & kings)
        | (BISHOP_TABLES[sq][occupied & BISHOP_MASKS[sq]] & (bishops | queens))
        | (ROOK_TABLES[sq][occupied & ROOK_MASKS[sq]] & (rooks | queens))
    )


def in_check(board: tuple) -> bool:
    turn = board[I_TURN]
    king = board[KING] & board[turn]
    occupied = board[I_WHITE] | board[I_BLACK]
    return bool(attackers(board, 1 - turn, king.bit_length() - 1, occupied))


def _bits(bb: int):
    while bb:
        low = bb & -bb
        yield low.bit_length() - 1
        bb ^= low


def generate(board: tuple, counting: bool = False):
    """All legal moves (a list of move ints), or just how many when ``counting``."""
    white, black, pawns, knights, bishops, rooks, queens, kings, turn, castling, ep, _, _ = board
    if turn:
        us, them = black, white
    else:
        us, them = white, black
    occupied = us | them
    empty = FULL ^ occupied
    king_sq = (kings & us).bit_length() - 1
    their_pawns = pawns & them
    their_knights = knights & them
    their_diagonal = (bishops | queens) & them
    their_straight = (rooks | queens) & them
    their_king = kings & them
    pawn_attacks_to = PAWN_ATTACKS[turn]
    line = LINE[king_sq]
    moves = [] if not counting else None
    count = 0

    # King moves: every destination is tested with the king lifted off the board,
    # so sliding checkers also cover the squares behind the king.
    without_king = occupied ^ (1 << king_sq)
    for to in _bits(KING_ATTACKS[king_sq] & ~us):
        if (
            (KNIGHT_ATTACKS[to] & their_knights)
            or (pawn_attacks_to[to] & their_pawns)
            or (KING_ATTACKS[to] & their_king)
            or (BISHOP_TABLES[to][without_king & BISHOP_MASKS[to]] & their_diagonal)
            or (ROOK_TABLES[to][without_king & ROOK_MASKS[to]] & their_straight)
        ):
            continue
        if counting:
            count += 1
        else:
            moves.append(king_sq | to << 6)

    checkers = (
        (KNIGHT_ATTACKS[king_sq] & their_knights)
        | (pawn_attacks_to[king_sq] & their_pawns)
        | (BISHOP_TABLES[king_sq][occupied & BISHOP_MASKS[king_sq]] & their_diagonal)
        | (ROOK_TABLES[king_sq][occupied & ROOK_MASKS[king_sq]] & their_straight)
    )
    if checkers & (checkers - 1):  # double check: only the king may move
        return count if counting else moves
    if checkers:
        checker_sq = checkers.bit_length() - 1
        target = BETWEEN[king_sq][checker_sq] | checkers
    else:
        target = FULL

    pinned = 0
    snipers = (ROOK_EMPTY[king_sq] & their_straight) | (BISHOP_EMPTY[king_sq] & their_diagonal)
    while snipers:
        low = snipers & -snipers
        snipers ^= low
        blockers = BETWEEN[king_sq][low.bit_length() - 1] & occupied
        if blockers and not blockers & (blockers - 1) and blockers & us:
            pinned |= blockers

    not_us_target = target & ~us
    # Knights (a pinned knight can never move).
    for sq in _bits(knights & us & ~pinned):
        to_bb = KNIGHT_ATTACKS[sq] & not_us_target
        if counting:
            count += to_bb.bit_count()
        else:
            for to in _bits(to_bb):
                moves.append(sq | to << 6)
    # Bishops, rooks, queens.
    for sq in _bits((bishops | queens) & us):
        to_bb = BISHOP_TABLES[sq][occupied & BISHOP_MASKS[sq]] & not_us_target
        if pinned >> sq & 1:
            to_bb &= line[sq]
        if counting:
            count += to_bb.bit_count()
        else:
            for to in _bits(to_bb):
                moves.append(sq | to << 6)
    for sq in _bits((rooks | queens) & us):
        to_bb = ROOK_TABLES[sq][occupied & ROOK_MASKS[sq]] & not_us_target
        if pinned >> sq & 1:
            to_bb &= line[sq]
        if counting:
            count += to_bb.bit_count()
        else:
            for to in _bits(to_bb):
                moves.append(sq | to << 6)

    # Pawns, set-wise for the unpinned ones; pinned ones one by one along their pin line.
    our_pawns = pawns & us
    free = our_pawns & ~pinned
    capturable = them & target
    if turn == WHITE:
        single = (free << 8) & empty
        double = ((single & RANK_3) << 8) & empty & target
        single &= target
        left = ((free & ~FILE_A) << 7) & capturable
        right = ((free & ~FILE_H) << 9) & capturable
        forward, promotion_rank = 8, RANK_8
    else:
        single = (free >> 8) & empty
        double = ((single & RANK_6) >> 8) & empty & target
        single &= target
        left = ((free & ~FILE_A) >> 9) & capturable
        right = ((free & ~FILE_H) >> 7) & capturable
        forward, promotion_rank = -8, RANK_1
    groups = ((single, forward), (double, 2 * forward), (left, forward - 1), (right, forward + 1))
    if counting:
        for to_bb, _ in groups:
            count += (to_bb & ~promotion_rank).bit_count() + 4 * (
                to_bb & promotion_rank
            ).bit_count()
    else:
        for to_bb, delta in groups:
            for to in _bits(to_bb):
                _add_pawn_move(moves, to - delta, to, promotion_rank)
    for sq in _bits(our_pawns & pinned):
        bb = 1 << sq
        push = (bb << 8 if turn == WHITE else bb >> 8) & empty
        to_bb = push
        if push and (bb & (RANK_1 << 8 if turn == WHITE else RANK_1 << 48)):
            to_bb |= (push << 8 if turn == WHITE else push >> 8) & empty
        to_bb = ((to_bb & target) | (PAWN_ATTACKS[turn][sq] & capturable)) & line[sq]
        if counting:
            count += (to_bb & ~promotion_rank).bit_count() + 4 * (
                to_bb & promotion_rank
            ).bit_count()
        else:
            for to in _bits(to_bb):
                _add_pawn_move(moves, sq, to, promotion_rank)

    if ep:
        # Rare: test each en passant capture by playing it on the occupancy, which covers
        # pins, the rank-wide discovered check and captures of a checking pawn alike.
        captured = ep - forward
        for sq in _bits(PAWN_ATTACKS[1 - turn][ep] & our_pawns):
            after = occupied ^ (1 << sq) ^ (1 << ep) ^ (1 << captured)
            if (
                (KNIGHT_ATTACKS[king_sq] & their_knights)
                or (pawn_attacks_to[king_sq] & their_pawns & ~(1 << captured))
                or (BISHOP_TABLES[king_sq][after & BISHOP_MASKS[king_sq]] & their_diagonal)
                or (ROOK_TABLES[king_sq][after & ROOK_MASKS[king_sq]] & their_straight)
            ):
                continue
            if counting:
                count += 1
            else:
                moves.append(sq | ep << 6)

    if castling and not checkers:
        if turn == WHITE:
            rights, king_from = castling & (RANK_1), E1
            short_rook, long_rook = 1 << H1, 1 << A1
        else:
            rights, king_from = castling & RANK_8, E8
            short_rook, long_rook = 1 << H8, 1 << A8
        attacked = _attacked_by
        if rights & short_rook and not occupied & (0x60 << (king_from - E1)):
            f, g = king_from + 1, king_from + 2
            if not attacked(board, 1 - turn, f, occupied) and not attacked(
                board, 1 - turn, g, occupied
            ):
                if counting:
                    count += 1
                else:
                    moves.append(king_from | g << 6)
        if rights & long_rook and not occupied & (0x0E << (king_from - E1)):
            d, c = king_from - 1, king_from - 2
            if not attacked(board, 1 - turn, d, occupied) and not attacked(
                board, 1 - turn, c, occupied
            ):
                if counting:
                    count += 1
                else:
                    moves.append(king_from | c << 6)
    return count if counting else moves


def _attacked_by(board: tuple, colour: int, sq: int, occupied: int) -> bool:
    return bool(attackers(board, colour, sq, occupied))


def _add_pawn_move(moves: list, from_sq: int, to: int, promotion_rank: int) -> None:
    if promotion_rank >> to & 1:
        base = from_sq | to << 6
        moves.append(base | QUEEN << 12)
        moves.append(base | ROOK << 12)
        moves.append(base | BISHOP << 12)
        moves.append(base | KNIGHT << 12)
    else:
        moves.append(from_sq | to << 6)


def count_moves(board: tuple) -> int:
    return generate(board, True)


def make(board: tuple, move: int) -> tuple:
    """The board after a legal ``move`` (``board`` itself is untouched)."""
    bbs = list(board)
    turn = bbs[I_TURN]
    from_sq = move & 63
    to = move >> 6 & 63
    promotion = move >> 12
    from_bb = 1 << from_sq
    to_bb = 1 << to
    halfmove = bbs[I_HALFMOVE] + 1
    them = 1 - turn
    new_ep = 0
    if bbs[them] & to_bb:
        bbs[them] ^= to_bb
        for piece in (PAWN, KNIGHT, BISHOP, ROOK, QUEEN):
            if bbs[piece] & to_bb:
                bbs[piece] ^= to_bb
                break
        halfmove = 0
    bbs[turn] ^= from_bb | to_bb
    if bbs[PAWN] & from_bb:
        halfmove = 0
        if promotion:
            bbs[PAWN] ^= from_bb
            bbs[promotion] |= to_bb
        else:
            bbs[PAWN] ^= from_bb | to_bb
            if to == board[I_EP]:
                captured = 1 << (to - 8 if turn == WHITE else to + 8)
                bbs[PAWN] ^= captured
                bbs[them] ^= captured
            elif to - from_sq == 16 or from_sq - to == 16:
                middle = (from_sq + to) >> 1
                if PAWN_ATTACKS[turn][middle] & bbs[PAWN] & bbs[them]:
                    new_ep = middle
    elif bbs[KNIGHT] & from_bb:
        bbs[KNIGHT] ^= from_bb | to_bb
    elif bbs[BISHOP] & from_bb:
        bbs[BISHOP] ^= from_bb | to_bb
    elif bbs[ROOK] & from_bb:
        bbs[ROOK] ^= from_bb | to_bb
    elif bbs[QUEEN] & from_bb:
        bbs[QUEEN] ^= from_bb | to_bb
    else:
        bbs[KING] ^= from_bb | to_bb
        if to - from_sq == 2:  # short castling: h-rook to f
            rook_move = (1 << (from_sq + 3)) | (1 << (from_sq + 1))
            bbs[ROOK] ^= rook_move
            bbs[turn] ^= rook_move
        elif from_sq - to == 2:  # long castling: a-rook to d
            rook_move = (1 << (from_sq - 4)) | (1 << (from_sq - 1))
            bbs[ROOK] ^= rook_move
            bbs[turn] ^= rook_move
    castling = bbs[I_CASTLING]
    if castling:
        bbs[I_CASTLING] = castling & CASTLING_KEEP[from_sq] & CASTLING_KEEP[to]
    bbs[I_TURN] = them
    bbs[I_EP] = new_ep
    bbs[I_HALFMOVE] = halfmove
    if turn == BLACK:
        bbs[I_FULLMOVE] += 1
    return tuple(bbs)


def piece_at(board: tuple, sq: int) -> tuple[int, int] | None:
    """``(colour, piece)`` on ``sq``, or None."""
    bb = 1 << sq
    if not (board[I_WHITE] | board[I_BLACK]) & bb:
        return None
    colour = WHITE if board[I_WHITE] & bb else BLACK
    for piece in range(PAWN, KING + 1):
        if board[piece] & bb:
            return colour, piece
    raise AssertionError("occupancy and piece bitboards disagree")


def legal_ep(board: tuple) -> int:
    """The en passant square if an en passant capture is legal now, else 0."""
    ep = board[I_EP]
    if ep and any(m >> 6 & 63 == ep and board[PAWN] >> (m & 63) & 1 for m in generate(board)):
        return ep
    return 0


def repetition_key(board: tuple) -> tuple:
    """What makes two positions "the same" for repetition: pieces, turn, rights, legal e.p."""
    return board[:I_EP] + (legal_ep(board),)


def insufficient_material(board: tuple) -> bool:
    """Neither side can ever mate: K v K, K+minor v K, or only bishops, all on one colour."""
    if board[PAWN] | board[ROOK] | board[QUEEN]:
        return False
    knights, bishops = board[KNIGHT], board[BISHOP]
    if (knights | bishops).bit_count() <= 1:
        return True
    return not knights and (not bishops & LIGHT_SQUARES or not bishops & DARK_SQUARES)


# -- FEN ----------------------------------------------------------------------------------


def _invalid(message: str) -> EngineError:
    return EngineError(INVALID_POSITION, message)


def parse_fen(text: str) -> tuple:
    """A board from FEN (the clocks may be left out). Raises ``invalid_position``."""
    if not isinstance(text, str):
        raise _invalid("a FEN must be a string")
    fields = text.split()
    if not 4 <= len(fields) <= 6:
        raise _invalid("a FEN has 4 to 6 fields")
    placement, side, rights, ep_field = fields[:4]
    clocks = fields[4:] + ["0", "1"][len(fields) - 4 :]
    bbs = [0] * 8
    rows = placement.split("/")
    if len(rows) != 8:
        raise _invalid("a FEN board has 8 ranks")
    for row_index, row in enumerate(rows):
        rank = 7 - row_index
        file = 0
        for char in row:
            if char.isdigit() and char != "0":
                file += int(char)
            elif char.lower() in "pnbrqk":
                if file > 7:
                    raise _invalid(f"rank {rank + 1} is too long")
                bb = 1 << (rank * 8 + file)
                bbs[I_WHITE if char.isupper() else I_BLACK] |= bb
                bbs[PIECE_LETTERS.index(char.lower()) + 1] |= bb
                file += 1
            else:
                raise _invalid(f"unexpected {char!r} in the board")
        if file != 8:
            raise _invalid(f"rank {rank + 1} does not have 8 squares")
    white, black = bbs[I_WHITE], bbs[I_BLACK]
    kings = bbs[KING]
    if (kings & white).bit_count() != 1 or (kings & black).bit_count() != 1:
        raise _invalid("each side needs exactly one king")
    if bbs[PAWN] & (RANK_1 | RANK_8):
        raise _invalid("pawns cannot stand on the first or last rank")
    if side not in ("w", "b"):
        raise _invalid("the side to move is w or b")
    turn = WHITE if side == "w" else BLACK
    castling = 0
    if rights != "-":
        if not rights or set(rights) - set("KQkq") or len(set(rights)) != len(rights):
            raise _invalid("castling rights are - or a subset of KQkq")
        for char, rook in (("K", H1), ("Q", A1), ("k", H8), ("q", A8)):
            if char in rights:
                castling |= 1 << rook
    board_without_rights = tuple(bbs) + (turn, 0, 0, 0, 1)
    castling = clean_castling(board_without_rights, castling)
    ep = 0
    if ep_field != "-":
        if ep_field not in SQUARE_INDEX:
            raise _invalid(f"bad en passant square {ep_field!r}")
        ep = SQUARE_INDEX[ep_field]
        ep_rank = 5 if turn == WHITE else 2
        pushed = ep - 8 if turn == WHITE else ep + 8
        if (
            ep // 8 != ep_rank
            or not (bbs[PAWN] & bbs[1 - turn]) >> pushed & 1
            or (white | black) >> ep & 1
            or not PAWN_ATTACKS[1 - turn][ep] & bbs[PAWN] & bbs[turn]
        ):
            ep = 0  # no capture possible: same position as without the square
    try:
        halfmove, fullmove = int(clocks[0]), int(clocks[1])
    except ValueError:
        raise _invalid("the move clocks must be integers") from None
    if halfmove < 0 or fullmove < 1:
        raise _invalid("the halfmove clock is >= 0 and the move number >= 1")
    board = tuple(bbs) + (turn, castling, ep, halfmove, fullmove)
    king_them = (kings & bbs[1 - turn]).bit_length() - 1
    if attackers(board, turn, king_them, white | black):
        raise _invalid("the side not to move is in check")
    return board


def clean_castling(board: tuple, castling: int) -> int:
    """Drop rights whose king or rook is not on its original square."""
    rooks, kings = board[ROOK], board[KING]
    for colour, king_sq, rook_squares in ((WHITE, E1, (A1, H1)), (BLACK, E8, (A8, H8))):
        own = board[colour]
        for rook_sq in rook_squares:
            if not (kings & own) >> king_sq & 1 or not (rooks & own) >> rook_sq & 1:
                castling &= ~(1 << rook_sq)
    return castling


def placement(board: tuple) -> str:
    rows = []
    for rank in range(7, -1, -1):
        row, gap = "", 0
        for file in range(8):
            found = piece_at(board, rank * 8 + file)
            if found is None:
                gap += 1
                continue
            if gap:
                row += str(gap)
                gap = 0
            colour, piece = found
            letter = PIECE_LETTERS[piece - 1]
            row += letter.upper() if colour == WHITE else letter
        rows.append(row + (str(gap) if gap else ""))
    return "/".join(rows)


def castling_text(castling: int) -> str:
    text = "".join(
        char for char, rook in (("K", H1), ("Q", A1), ("k", H8), ("q", A8)) if castling >> rook & 1
    )
    return text or "-"


def key_to_text(key: tuple) -> str:
    """The first four FEN fields of a repetition key."""
    ep = key[I_EP]
    return " ".join(
        (
            placement(key + (0, 0)),
            "wb"[key[I_TURN]],
            castling_text(key[I_CASTLING]),
            SQUARE_NAMES[ep] if ep else "-",
        )
    )


def key_from_text(text: str) -> tuple:
    return repetition_key(parse_fen(text))


def to_fen(board: tuple) -> str:
    return f"{key_to_text(repetition_key(board))} {board[I_HALFMOVE]} {board[I_FULLMOVE]}"


# -- SAN ----------------------------------------------------------------------------------


def san(board: tuple, move: int, legal: list | None = None) -> str:
    """Standard algebraic notation of a legal ``move``: ``Nbd7``, ``exd5``, ``e8=Q+``, ``O-O#``."""
    if legal is None:
        legal = generate(board)
    from_sq, to, promotion = move & 63, move >> 6 & 63, move >> 12
    _, piece = piece_at(board, from_sq)
    if piece == KING and abs(to - from_sq) == 2:
        text = "O-O" if to > from_sq else "O-O-O"
    elif piece == PAWN:
        text = ""
        if from_sq % 8 != to % 8:
            text = SQUARE_NAMES[from_sq][0] + "x"
        text += SQUARE_NAMES[to]
        if promotion:
            text += "=" + PIECE_LETTERS[promotion - 1].upper()
    else:
        text = PIECE_LETTERS[piece - 1].upper()
        rivals = [
            m & 63
            for m in legal
            if m >> 6 & 63 == to and m & 63 != from_sq and board[piece] >> (m & 63) & 1
        ]
        if rivals:
            same_file = any(sq % 8 == from_sq % 8 for sq in rivals)
            same_rank = any(sq // 8 == from_sq // 8 for sq in rivals)
            if not same_file:
                text += SQUARE_NAMES[from_sq][0]
            elif not same_rank:
                text += SQUARE_NAMES[from_sq][1]
            else:
                text += SQUARE_NAMES[from_sq]
        if (board[I_WHITE] | board[I_BLACK]) >> to & 1:
            text += "x"
        text += SQUARE_NAMES[to]
    after = make(board, move)
    if in_check(after):
        text += "#" if not count_moves(after) else "+"
    return text
