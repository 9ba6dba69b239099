from hecharness.cli import main

main()
