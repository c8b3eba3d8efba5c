"""Click-to-segment engines: a prompt (points, a box) in, a mask out. No Qt and no network: the assist layer
runs them on its worker threads and the canvas tool draws what they return.

engine      the interface: Picture, Prompt, Mask, Engine; the region an engine works in, at reduced size
grabcut     OpenCV's GrabCut seeded from the clicks and the box (built in, no weights)
scissors    OpenCV's Intelligent Scissors: an outline that follows edges from click to click (built in)
sam_pack    a side-loaded SAM-family ONNX pack (encoder + decoder): the image embedding once, then clicks
pack_files  finding a pack's files, its SHA-256 and its licence; what to say when there is none
outline     a mask as one polygon: the largest part, and what was left out (other parts, holes)
once        work done once per key even when two threads ask for it at the same time
"""
