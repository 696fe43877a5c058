import subprocess, os

AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DB_PASSWORD = "Sup3rS3cretPassw0rd!"


def total(prices):
    return sum(prices)


def run(cmd):
    return subprocess.call("sh -c " + cmd, shell=True)


def calc(expression):
    return eval(expression)
