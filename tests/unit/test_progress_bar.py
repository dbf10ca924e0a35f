"""The command line's progress bar: one line per pass, so log lines never land on a bar."""

from edge.cli import ProgressBar


def test_a_finished_pass_ends_its_line_and_a_second_pass_gets_its_own(capsys):
    bar = ProgressBar(enabled=True)
    for done in range(1, 11):
        bar.update(done, 10)
    bar.update(5, 10)  # count's second pass over the same file
    bar.close()
    lines = capsys.readouterr().err.split("\n")
    assert lines[0].endswith("10/10 frames") and lines[0].startswith("\r[")
    assert lines[1] == f"\r[{'#' * 15}{'.' * 15}] 5/10 frames"
    assert lines[2] == ""  # closed once: no blank line after


def test_a_bar_closed_at_its_end_adds_no_blank_line(capsys):
    bar = ProgressBar(enabled=True)
    bar.update(10, 10)
    bar.close()
    assert capsys.readouterr().err.count("\n") == 1


def test_disabled_writes_nothing(capsys):
    bar = ProgressBar(enabled=False)
    bar.update(10, 10)
    bar.close()
    assert capsys.readouterr().err == ""
