"""The data sample that travels with one audio-visual clip through avloc."""
from mmengine.structures import BaseDataElement


class AVDataSample(BaseDataElement):
    """One clip's annotations and predictions.

    Meta fields (set by :class:`~avloc.datasets.transforms.PackAVInputs`):
        clip_id (str), img_shape (h, w) of the network input, ori_shape (h, w) of
        the decoded frame, the file paths, and where the list gives them
        class_name, gt_label (index into the dataset's classes), is_sounding
        (False for a frame paired with another clip's audio) and instance_group
        (the frame an instance belongs to, when a frame with several sources is
        scored once per source, each with its own audio).

    Data fields:
        homography_matrices (Tensor): (V, 3, 3), per view, mapping decoded-frame
            pixel coordinates to that view's coordinates (mmdet 3.x convention).
        valid_masks (Tensor): (V, H, W) bool, True where a view shows the frame
            rather than padding.
        gt_bboxes (Tensor): (N, 4) boxes ``x1, y1, x2, y2`` normalised to [0, 1]
            in the decoded frame; empty (0, 4) when the clip has none.
        gt_mask (Tensor): (H, W) uint8 binary ground-truth mask (AVSBench), when the
            benchmark gives masks instead of boxes.
        pred_heatmap (Tensor): (1, h, w) cosine heatmap of the first view.
        pred_heatmap_other_audio (Tensor): (1, h, w) heatmap of the same frame with
            another clip's audio (the off-screen control), when requested.
        pred_heatmap_silence (Tensor): (1, h, w) heatmap of the same frame with
            silence in place of its audio, when requested.
        pred_heatmap_noise (Tensor): (1, h, w) heatmap of the same frame with white
            noise in place of its audio, when requested (see
            :mod:`avloc.structures.audio_controls`).
        audio_embedding (Tensor): (C,) L2-normalised max-pooled audio embedding.
        visual_embedding (Tensor): (C,) L2-normalised average-pooled visual map.
    """
