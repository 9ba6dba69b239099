"""`hecharness serve`: run the fake HEC until interrupted."""
