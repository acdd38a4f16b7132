#!/usr/bin/env python3
"""Copy config/graphgate.example.toml into packaging/graphgate.toml, keeping
the packaged file's opening comment and its server.data_dir
(/var/lib/graphgate). tests/it/cli_systemd.rs checks that the two agree."""

import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
example = (root / "config/graphgate.example.toml").read_text()
packaged_path = root / "packaging/graphgate.toml"
head = packaged_path.read_text().split("\n\n", 1)[0]
body = example.split("\n\n", 1)[1]
new_body = body.replace('\ndata_dir = "data"\n', '\ndata_dir = "/var/lib/graphgate"\n', 1)
assert new_body != body, "the example sets data_dir"
packaged_path.write_text(head + "\n\n" + new_body)
