from taxi_pipeline.check.cli import main

raise SystemExit(main())
