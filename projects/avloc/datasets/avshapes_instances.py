"""AVShapes scored per instance: every object of a multi-object frame is tested with
its own sound, as SSL-Align's IS3 tests its two objects (IIoU and iAUC, see
:mod:`avloc.evaluation.functional.instances`).

An AVShapes clip's audio names one object. The other objects of its frame get the
sound of another clip of the same list whose sounding object has their class, so
each object becomes an instance whose audio names it alone among the frame's
objects. A model that points at one object whatever it hears, or at the most
salient one, passes at most one instance of a frame and fails the frame.
"""
import os.path as osp
from typing import Dict, List, Optional

from avloc.registry import DATASETS
from .avshapes import AVShapesDataset
from .transforms.loading import audio_source
from .vggsound import check_boxes, parse_boxes, read_json_list


def read_objects(path: str) -> Dict[str, dict]:
    """The generator's annotation file as ``{clip id: entry}``, keeping each entry's
    ``objects`` (``class``, ``bbox``, ``sounding``) and ``distractor``; an entry
    without a ``file`` or with a malformed ``objects`` list is an error naming it."""
    table = {}
    for index, entry in enumerate(read_json_list(path, 'AVShapes clip annotations')):
        where = f'{path}: entry {index}'
        if not isinstance(entry, dict) or not isinstance(entry.get('file'), str):
            raise ValueError(f'{where} has no "file" (the clip id)')
        objects = entry.get('objects')
        if not isinstance(objects, list) or not all(
                isinstance(o, dict) and {'class', 'bbox', 'sounding'} <= set(o)
                for o in objects):
            raise ValueError(f'{where} ({entry["file"]}): "objects" must be a list of '
                             '{"class", "bbox", "sounding"}; regenerate the dataset with '
                             'tools/data/avshapes/generate.py')
        table[entry['file']] = entry
    return table


def sounding_class(entry: dict) -> Optional[str]:
    """The class of a clip's sounding object (None when no object sounds)."""
    classes = [o['class'] for o in entry['objects'] if o['sounding']]
    return classes[0] if len(classes) == 1 else None


@DATASETS.register_module()
class AVShapesInstancesDataset(AVShapesDataset):
    """AVShapes test clips expanded into one sample per object (test mode only;
    in training it is :class:`AVShapesDataset`).

    Every listed clip with two or more objects gives one entry per object ``k``:
    the clip's frame, the object's box as ``gt_bboxes`` (1, 4), ``class_name``
    and ``gt_label`` of the object, ``instance_group`` the clip id and
    ``clip_id`` ``f'{clip}#{k}'``. The sounding object keeps the clip's own audio.
    Any other object takes the audio of an exemplar (``audio_clip_id``): the first
    clip in list order, other than this one, whose sounding object has the
    object's class and whose off-screen distractor, if it has one, is not the
    class of an object in this frame, so the borrowed sound names this object and
    no other in the frame. An object with no exemplar is left out and counted. A
    clip with a single object is left out (it has no second instance); the
    generator makes none, other annotation files may.

    The metainfo keeps the list's name, md5 and ``num_listed`` (clips listed) and
    adds ``num_frames`` (clips expanded), ``num_instances``,
    ``num_single_object`` (clips left out) and ``num_objects_without_exemplar``
    with ``classes_without_exemplar``. ``PackAVInputs`` carries
    ``instance_group`` into the data samples when its ``meta_keys`` name it.

    Args:
        **kwargs: Passed to :class:`AVShapesDataset`.
    """

    def load_data_list(self) -> List[dict]:
        clips = super().load_data_list()
        if not self.test_mode:
            return clips
        box_path = self._box_path()
        annotations = read_objects(box_path)
        missing = [c['clip_id'] for c in clips if c['clip_id'] not in annotations]
        if missing:
            raise ValueError(f'{box_path}: no objects for {len(missing)} clips listed in '
                             f'{self.ann_file}, e.g. {missing[:3]}')
        instances, single, unmatched = [], 0, []
        for clip in clips:
            entry = annotations[clip['clip_id']]
            if len(entry['objects']) < 2:
                single += 1
                continue
            frame_classes = {o['class'] for o in entry['objects']}
            for k, obj in enumerate(entry['objects']):
                source = clip if obj['sounding'] else self._exemplar(
                    clips, annotations, clip['clip_id'], obj['class'], frame_classes)
                if source is None:
                    unmatched.append(obj['class'])
                    continue
                instances.append(self._instance(clip, source, k, obj, box_path))
        if not instances:
            raise ValueError(f'{self.ann_file}: none of its {len(clips)} clips gives an '
                             f'instance ({single} have a single object, '
                             f'{len(unmatched)} objects have no exemplar)')
        self._label_classes(instances)
        self._metainfo.update(
            num_frames=len({item['instance_group'] for item in instances}),
            num_instances=len(instances), num_single_object=single,
            num_objects_without_exemplar=len(unmatched),
            classes_without_exemplar=sorted(set(unmatched)))
        return instances

    def _box_path(self) -> str:
        """The annotation file :class:`VGGSoundDataset` read the boxes from."""
        return self.box_file if osp.isabs(self.box_file) or not self.data_root \
            else osp.join(self.data_root, self.box_file)

    @staticmethod
    def _exemplar(clips: List[dict], annotations: Dict[str, dict], clip_id: str,
                  class_name: str, frame_classes: set) -> Optional[dict]:
        """The first clip other than ``clip_id`` that sounds ``class_name`` and
        whose distractor is not in the frame; None when there is none."""
        for other in clips:
            entry = annotations[other['clip_id']]
            if (other['clip_id'] != clip_id and sounding_class(entry) == class_name
                    and entry.get('distractor') not in frame_classes):
                return other
        return None

    def _instance(self, clip: dict, source: dict, k: int, obj: dict,
                  box_path: str) -> dict:
        """One object of ``clip`` heard through ``source``'s audio."""
        where = f'{box_path}: clip {clip["clip_id"]} object {k}'
        boxes = check_boxes(parse_boxes(obj['bbox'], where), self.box_policy, where)
        if len(boxes) != 1:
            raise ValueError(f'{where}: expected one box, found {obj["bbox"]}')
        item = {key: value for key, value in clip.items() if key != 'gt_label'}
        if source is not clip:
            # The exemplar's audio file and window replace the clip's, as the
            # other-audio control takes its partner's.
            item = {key: value for key, value in item.items()
                    if not key.startswith('audio_')}
            item.update({key: value for key, value in source.items()
                         if key.startswith('audio_')})
            item.update(audio_path=audio_source(source), audio_clip_id=source['clip_id'])
        item.update(clip_id=f'{clip["clip_id"]}#{k}', instance_group=clip['clip_id'],
                    class_name=obj['class'], gt_bboxes=boxes)
        return item
