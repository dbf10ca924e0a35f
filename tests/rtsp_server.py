"""Serve a video file over RTSP on loopback with Debian's GStreamer RTSP server.

Run with Debian's python3 (it has the gi bindings): /usr/bin/python3 tests/rtsp_server.py FILE PORT
The stream is rtsp://127.0.0.1:PORT/cam (H.264 passed through: filesrc ! qtdemux ! h264parse).
"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_service(sys.argv[2])
factory = GstRtspServer.RTSPMediaFactory()
factory.set_shared(True)
factory.set_launch(f"( filesrc location={sys.argv[1]} ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 )")
server.get_mount_points().add_factory("/cam", factory)
server.attach(None)
GLib.MainLoop().run()
