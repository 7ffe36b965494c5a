"""The bytedance/seedance-2.0 video endpoints: a video with one native, synced soundtrack."""
