from boardkit.cli import main

main()
