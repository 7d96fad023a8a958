# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
"""Examples copied from the AWS documentation (not real credentials)."""
import boto3

session = boto3.Session(
    aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
    aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
)
other = boto3.client("sts", aws_access_key_id="AKIAI44QH8DHBEXAMPLE", aws_secret_access_key="je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY")
