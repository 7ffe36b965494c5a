"""File references in stored results become URLs when read (review round 1: URLs were frozen at submit)."""

from __future__ import annotations

from soundstage.storage.urls import file_ref, own_file_id, resolve_refs


def test_references_resolve_against_the_base_in_force_when_read() -> None:
    result = {"audio": {"url": file_ref("abc_-1", "take 1.wav")}, "stems": [file_ref("x", "a.wav")], "n": 3,
              "text": "soundstage is not a reference"}
    resolved = resolve_refs(result, "http://10.0.0.7:9000/")
    assert resolved["audio"]["url"] == "http://10.0.0.7:9000/files/abc_-1/take%201.wav"
    assert resolved["stems"] == ["http://10.0.0.7:9000/files/x/a.wav"]
    assert resolved["n"] == 3 and resolved["text"] == result["text"]
    assert resolve_refs(result, "https://files.example.com")["stems"] == ["https://files.example.com/files/x/a.wav"]


def test_own_file_ids_from_references_and_our_urls_only() -> None:
    bases = ("http://127.0.0.1:8000", "https://files.example.com/")
    assert own_file_id(file_ref("id1", "a.wav"), bases) == "id1"
    assert own_file_id("http://127.0.0.1:8000/files/id2/a.wav", bases) == "id2"
    assert own_file_id("https://files.example.com/files/id3/b.png", bases) == "id3"
    assert own_file_id("https://elsewhere.example.com/files/id4/b.png", bases) is None


def test_references_in_log_lines_resolve_too() -> None:
    from soundstage.storage.urls import resolve_text

    line = f"wrote {file_ref('id9', 'p.txt')} and {file_ref('id8', 'q.txt')}"
    assert resolve_text(line, "http://h:1") == "wrote http://h:1/files/id9/p.txt and http://h:1/files/id8/q.txt"
