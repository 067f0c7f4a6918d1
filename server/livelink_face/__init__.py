"""Zero-plugin fallback: the 174 face-board controls as Live Link Face (ARKit) UDP packets.

- :mod:`.packet`: the version-6 packet (encode and a strict decode).
- :mod:`.mapping`: the documented 174 controls -> 52 ARKit curves + eye angles table.
- :mod:`.sink`: a Live Link hub sink sending one datagram per frame.
- :mod:`.cli`: ``emoface livelink-face``, plays a baked or freshly animated clip.
"""
