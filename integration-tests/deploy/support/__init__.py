"""Helpers of the deployment tests."""
