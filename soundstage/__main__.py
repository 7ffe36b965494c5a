from soundstage.cli import main

raise SystemExit(main())
