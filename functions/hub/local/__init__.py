"""Local stack: create template.yaml's resources on AWS_ENDPOINT_URL and play Lambda for its functions."""
