"""Talking to model deployments: protocol adapters, the HTTP client, the local server launcher, health."""
