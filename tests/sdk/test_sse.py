"""The SSE decoder against the WHATWG event-stream interpretation rules and examples
(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)."""

from __future__ import annotations

import random

import pytest

from streamgraph.sdk._sse import ServerSentEvent, SSEDecoder


def decode(*chunks: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    return [event for chunk in chunks for event in decoder.feed(chunk)]


def test_spec_example_multiline_data_joins_with_lf():
    assert decode(b"data: YHOO\ndata: +2\ndata: 10\n\n") == [
        ServerSentEvent("message", "YHOO\n+2\n10", None)
    ]


def test_spec_example_comments_ids_and_the_single_leading_space():
    stream = (
        b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n"
        b"data:  third event\n\n"
    )
    assert decode(stream) == [
        ServerSentEvent("message", "first event", "1", True),
        ServerSentEvent("message", "second event", "", True),  # a bare `id` resets the id
        ServerSentEvent("message", " third event", ""),  # only one space is removed
    ]


def test_spec_example_empty_data_fields_and_an_unterminated_event():
    # `data` without a colon is a field with an empty value; the last block never ends.
    assert decode(b"data\n\ndata\ndata\n\ndata:") == [
        ServerSentEvent("message", "", None),
        ServerSentEvent("message", "\n", None),
    ]


def test_spec_example_space_after_colon_is_optional():
    assert decode(b"data:test\n\ndata: test\n\n") == [
        ServerSentEvent("message", "test", None),
        ServerSentEvent("message", "test", None),
    ]


@pytest.mark.parametrize("eol", [b"\r\n", b"\n", b"\r"])
def test_every_line_ending(eol):
    stream = eol.join([b"event: values", b'data: {"a":1}', b"id: 7", b"", b""])
    assert decode(stream) == [ServerSentEvent("values", '{"a":1}', "7", True)]


def test_mixed_line_endings_in_one_stream():
    assert decode(b"event: a\rdata: 1\r\n\ndata: 2\n\r") == [
        ServerSentEvent("a", "1", None),
        ServerSentEvent("message", "2", None),
    ]


def test_cr_ending_a_chunk_and_lf_starting_the_next_are_one_line_end():
    assert decode(b"data: 1\r", b"\n", b"\r", b"\ndata: 2\r", b"\n\r\n") == [
        ServerSentEvent("message", "1", None),
        ServerSentEvent("message", "2", None),
    ]


def test_a_cr_then_crlf_is_two_line_ends():
    # "a\r" ends the line, then "\r\n" is an empty line: dispatch.
    assert decode(b"data: a\r", b"\r\n") == [ServerSentEvent("message", "a", None)]


def test_a_leading_bom_is_dropped_once():
    assert decode(b"\xef\xbb\xbfdata: 1\n\n") == [ServerSentEvent("message", "1", None)]
    assert decode(b"\xef\xbb", b"\xbfdata: 1\n\n") == [ServerSentEvent("message", "1", None)]
    # a second BOM is part of the field name, so the line is an unknown field
    assert decode(b"\xef\xbb\xbf\xef\xbb\xbfdata: 1\n\n") == []


def test_comments_are_ignored_heartbeats_included():
    assert decode(b": heartbeat\r\n\r\n:\n\nevent: a\n: inside\ndata: 1\n\n") == [
        ServerSentEvent("a", "1", None)
    ]


def test_id_containing_nul_is_ignored():
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n") == [
        ServerSentEvent("message", "a", "1", True),
        ServerSentEvent("message", "b", "1"),
    ]
    assert decoder.last_event_id == "1"


def test_last_event_id_moves_only_when_an_event_is_dispatched():
    decoder = SSEDecoder(last_event_id="4")
    assert decoder.feed(b"event: custom\ndata: {}\nid: 5\n") == []
    assert decoder.last_event_id == "4"  # a cut here must resume after 4, not 5
    assert decoder.feed(b"\n") == [ServerSentEvent("custom", "{}", "5", True)]
    assert decoder.last_event_id == "5"


def test_an_id_only_block_sets_the_id_without_an_event():
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 9\n\n") == []
    assert decoder.last_event_id == "9"
    assert decoder.feed(b"data: x\n\n") == [ServerSentEvent("message", "x", "9")]


def test_retry_takes_ascii_digits_only():
    decoder = SSEDecoder()
    decoder.feed(b"retry: 1500\n\n")
    assert decoder.retry == 1500
    decoder.feed(b"retry: 15a\n\nretry: -1\n\nretry: \xd9\xa3\n\nretry\n\n")
    assert decoder.retry == 1500


def test_unknown_fields_and_field_names_without_colon():
    assert decode(b"foo: bar\nevent\ndata: 1\n\n") == [ServerSentEvent("message", "1", None)]


def test_event_type_defaults_to_message_and_resets_after_dispatch():
    assert decode(b"event: a\ndata: 1\n\ndata: 2\n\n") == [
        ServerSentEvent("a", "1", None),
        ServerSentEvent("message", "2", None),
    ]


def test_a_named_event_without_data_is_dispatched():
    # Divergence from the spec (see the module docstring): LangGraph servers may send it.
    assert decode(b"event: end\n\n") == [ServerSentEvent("end", "", None)]


def test_an_event_cut_off_by_the_end_of_the_stream_is_discarded():
    assert decode(b'event: values\ndata: {"a":1}\n') == []
    assert decode(b'event: values\ndata: {"a":1}') == []


def test_multibyte_characters_split_across_chunks():
    data = "data: héllo ☃\n\n".encode()
    assert decode(data[:8], data[8:10], data[10:]) == [ServerSentEvent("message", "héllo ☃", None)]


def test_invalid_utf8_is_replaced_not_fatal():
    assert decode(b"data: \xff\n\n") == [ServerSentEvent("message", "\ufffd", None)]


def test_any_chunking_gives_the_same_events():
    stream = (
        b'\xef\xbb\xbf: hi\r\nevent: metadata\r\ndata: {"run_id":"r"}\r\nid: 1\r\n\r\n'
        b'event: values\rdata: {"x":\r\ndata: 1}\nid: 2\r\r'
        b': heartbeat\r\n\r\nevent: custom|sub:1\ndata: "\xe2\x98\x83"\nid: 3\n\n'
    )
    expected = decode(stream)
    assert [e.id for e in expected] == ["1", "2", "3"]
    rng = random.Random(7)
    for _ in range(200):
        cuts = sorted(rng.sample(range(1, len(stream)), rng.randint(1, 20)))
        pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
        assert decode(*pieces) == expected
    assert decode(*(stream[i : i + 1] for i in range(len(stream)))) == expected
