"""Work off the request path: recordings processed and cohorts analysed behind one Executor seam."""
