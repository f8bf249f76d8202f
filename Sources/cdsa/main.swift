import Driver
CDSACommand.mainRunningScripts()
