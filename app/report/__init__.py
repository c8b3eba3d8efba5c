"""Model quality for people: the plots as data (figures), as SVG (svg), as a text table (table), as a
self-contained HTML page (html), and the `labelassist report` command (cli)."""
