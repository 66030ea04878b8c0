"""One module per CLI command. Each turns options into a frozen config, calls the core and
reports: tables on stdout (or JSON under --json), progress and logs on stderr."""
