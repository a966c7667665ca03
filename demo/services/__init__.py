"""The demo estate's legacy systems as real HTTP servers (run with ``python -m demo.services``)."""
