"""Model assist for the image on screen: suggestions, their filters, selection, commit and dismiss."""
