import Driver
CDSACommand.main()
