"""soundstage/video-to-audio: ambience, foley and given dialogue for a user's own video, at exactly its
length."""
