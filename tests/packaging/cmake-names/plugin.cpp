// never compiled: the test only configures
