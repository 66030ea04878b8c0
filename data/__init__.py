"""Small real datasets shipped with kerascli (Iris; S&P 500 daily closes) so they work offline."""
