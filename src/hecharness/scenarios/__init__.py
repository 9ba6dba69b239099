"""The built-in scenarios, one file per behaviour of the Logpush FAQ.

They ship inside the package, so `hecharness scenario run` finds them wherever it is installed;
`hecharness.scenario.discovery` loads each file by its path (this is a package only so that the
files are installed with it), and `--dir` adds a user's own directory of scenario files.
"""
