from .avshapes_generator import AVShapesSettings, generate_avshapes, is_complete, synthesize_clip

__all__ = ['AVShapesSettings', 'generate_avshapes', 'is_complete', 'synthesize_clip']
