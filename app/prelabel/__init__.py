"""Pre-labelling a whole project from the command line (`labelassist prelabel`), here or on a Ray cluster.

The answers land exactly where the app's own pre-label puts them — the prediction cache under the same keys,
the usage counts, the pre-labelled marks — so they wait as pending suggestions on each image.

cli          the command: what to pre-label with, which images, where to run; progress and summary
choice       the deployment to use: one of the project's, or the record of a model run in the job itself
task         what every worker needs to ask for one image, and the asking (the app's own request code)
pacing       requests per second and a busy server's Retry-After, for the threads of one process
embedded     a model run in this process, answered by the reference server's own steps
writer       the one writer: a batch of answers per transaction, the records the app's pre-label writes
progress     the progress line and the summary
local_run    N threads on this machine
ray_run      a Ray Data job: workers read the images and ask; answers stream back to the writer

Ray is imported only in ray_run, and only when the job runs there.
"""
