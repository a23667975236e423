"""Training and cross-validation of the claim verifier's model (see train.py)."""
