"""Model assist for the image on screen: suggestions, their filters, selection, commit and dismiss.

controller       the coordinator: deployment choice, wiring, the API the canvas and the dock call
suggestion_set   the answer on screen, its filters and the one copy of selection and focus (no Qt)
feed             feeds the set what its filters depend on; the request-log line follows what is shown
change_batch     one refilter per change, however many document signals an edit causes (no Qt)
dispatcher       tickets (image, generation, project), requests for the screen, answers kept
requests         one request as run on the worker thread; Ticket, AssistJob, AssistAnswer
accounting       what every answer leaves behind: cache, usage counts, request log, deployment status
prefetch         background requests (auto-assist, pre-labelling) through the narrow PrefetchHost
prelabel_marks   which images have a deployment's answer waiting (the one copy the app reads)
deployment_choice  the chosen deployment, and the one to choose again when it is back
cache, suggestions, duplicates, mapping, commands   answers kept, building, comparing, tags, undo steps
segmenter        click to segment: the chosen engine (app/segment) run off the UI thread, images prepared
                 ahead; segment_engines (those on offer), segment_picture (the image as engines see it),
                 remote_segment (a deployment as an engine)
refine           a box suggestion refined into an outline, still pending (the refine key)
"""
