"""`kiosk desk` and `kiosk run --desk` both start the attendant-operated desktop."""

from kiosk.cli import build_parser


def test_desk_commands(monkeypatch):
    import kiosk.desk_app as desk_app

    runs = []
    monkeypatch.setattr(desk_app, "run_desk", lambda settings, demo=False: runs.append(demo) or 0)
    parser = build_parser()
    for argv in (["desk", "--demo"], ["run", "--desk", "--demo"]):
        args = parser.parse_args(argv)
        assert args.func(args) == 0
    assert runs == [True, True]
