"""boardroom.masking: client frames unmasked as Autobahn's own masker does."""

from __future__ import annotations

from autobahn.websocket import protocol as autobahn_protocol
from hypothesis import given
from hypothesis import strategies as st

from boardroom import masking


@given(
    mask=st.binary(min_size=4, max_size=4),
    payload=st.binary(max_size=masking.SMALL_PAYLOAD),
    cuts=st.lists(st.integers(min_value=0, max_value=masking.SMALL_PAYLOAD), max_size=4),
)
def test_a_payload_in_pieces_is_unmasked_as_autobahn_does(mask, payload, cuts):
    """Whatever pieces the payload arrives in (TCP splits frames anywhere), the pieces
    unmasked one after another equal Autobahn's result, and the position advances."""
    ours = masking.SmallPayloadMasker(mask)
    theirs = masking._autobahn_masker(mask, len(payload))
    bounds = [0, *sorted(cut for cut in cuts if cut < len(payload)), len(payload)]
    pieces = [payload[start:end] for start, end in zip(bounds, bounds[1:], strict=False)]
    unmasked = b"".join(ours.process(piece) for piece in pieces)
    assert unmasked == theirs.process(payload)
    assert ours.pointer() == len(payload)
    assert masking.SmallPayloadMasker(mask).process(unmasked) == payload  # XOR undoes itself
    ours.reset()
    assert ours.pointer() == 0


def test_autobahn_parses_frames_with_it_and_large_ones_keep_its_own():
    masking.install()
    assert autobahn_protocol.create_xor_masker is masking.create_xor_masker
    small = autobahn_protocol.create_xor_masker(b"abcd", 100)
    large = autobahn_protocol.create_xor_masker(b"abcd", masking.SMALL_PAYLOAD + 1)
    assert isinstance(small, masking.SmallPayloadMasker)
    assert not isinstance(large, masking.SmallPayloadMasker)
