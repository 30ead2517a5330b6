"""Adapters own AWS: the only modules that import boto3. Each takes an injected client."""
