# expect: none
"""Environment for the Spark tasks: a Windows laptop needs a JDK path, a worker has its own."""

import os
import sys

if sys.platform.startswith("win"):
    os.environ["JAVA_HOME"] = "C:\\jdk\\jdk-17"
else:
    os.environ.setdefault("SPARK_LOCAL_DIRS", "/tmp/spark")

USER_TOOLS = os.path.expanduser("~/.local/bin")


def tool_path():
    return f"{USER_TOOLS}:{os.environ.get('PATH', '')}"


def export_folder():
    return os.path.expanduser("~/.local/share/exports")
